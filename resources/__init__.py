"""Bundled resources (the sample library, icons), installed as `callreview.resources`."""
