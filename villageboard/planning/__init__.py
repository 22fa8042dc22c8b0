"""Linking the kinds into one site and planning every output before anything renders."""
