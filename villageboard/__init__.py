"""Village board (村务公开栏): a static-site generator for a village's public disclosures."""

__version__ = "0.1.0"
