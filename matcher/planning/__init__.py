"""The programme lead's questions: what-if variants, recruitment, year simulation, and the
executor that runs them."""
