"""The plan stage: what a sweep file or `arena run` asks for, checked and turned into RunSpecs.

settings.py  the one table of settings (sweep-file keys and `arena run` flags) and the rules
plan.py      a sweep file -> Sweep -> RunSpec per run (run ids, interleaving)
calibrate.py the /cpu kernel's N per runtime for a target service time
ceiling.py   the load path's ceiling: the runs that measure it, the one a /hello run is held to
"""
