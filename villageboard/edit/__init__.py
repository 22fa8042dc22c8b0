"""``python build.py edit``: a form editor in the browser for clerks who do not write YAML.

``forms`` describes every kind's form from the models' own ``Schema`` objects, ``saving``
writes a form back as a clerk would write the file by hand and checks a draft with the
same code as ``check``, ``publishing`` commits with the reason for the change, and
``server`` serves it all on 127.0.0.1 behind a secret token.
"""
