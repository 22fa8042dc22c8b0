"""Rendering planned outputs with the templates in layouts/, recording what each reads."""
