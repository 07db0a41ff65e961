"""The clinician programmer in a browser (``pyemu web``), a layer above therapy.

:mod:`pyemu.web.programmer` holds one pump client behind a lock and reads the
forms (clinician units through :mod:`pyemu.units`); :mod:`pyemu.web.app` is
the Flask application: server-rendered pages, the review screen, the JSON the
page's small script polls and the timeline PNG (:mod:`pyemu.therapy.report`).
Flask is the ``web`` extra: ``pip install 'pyemu[web]'``.
"""
