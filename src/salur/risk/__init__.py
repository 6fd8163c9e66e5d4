"""Risk of a distribution plan: scores by cause, a Monte Carlo of the plan, measured remedies."""
