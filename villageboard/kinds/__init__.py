"""The content kinds: each reads its own files into typed models and contributes pages."""
