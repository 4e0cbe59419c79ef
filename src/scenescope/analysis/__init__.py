"""Analyses: one estimator per module, each with a result object and a truth metric."""
