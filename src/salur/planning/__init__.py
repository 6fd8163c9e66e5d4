"""Distribution planning: ballot kits from the KPU warehouse through PPK and PPS to every TPS.

`routing` is the generic vehicle-routing core (PyVRP underneath), kept free of election terms so it
can be benchmarked on published instances (`instances`); the domain layer builds on top of it.
"""
