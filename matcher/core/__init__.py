"""From a scenario to numbers: encoding, eligibility, scores, priority and the solver-neutral
problem."""
