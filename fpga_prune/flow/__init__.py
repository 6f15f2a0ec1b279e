"""The resumable flow: steps, bundles, runs, sweeps and the executors that run them.

Owns ``pipeline`` (steps that resume from saved artifacts), ``bundles``
(train and prune bundles on disk), ``generate`` (a prune bundle -> the
verified HLS project), ``run`` (``RunConfig`` and ``execute``:
candles -> train -> prune -> generate -> verify -> report), ``grid`` and
``sweep`` (grids of typed run configurations), ``executors`` (local
processes or a Ray cluster) and ``objcache`` (work shared between sweep
points).
"""
