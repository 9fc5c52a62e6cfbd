"""One folder per task (word order, QA): its dataset build and, beside it, how a model learns it.

Importing this package imports nothing heavy (no torch, hazm or datasets); import the task module you need.
"""
