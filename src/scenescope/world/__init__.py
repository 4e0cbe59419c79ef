"""The Scene simulator: a messy world with ground truth, in the product's own formats."""
