"""From a solution to a result people can act on: reasons, waiting reasons, alternatives and
what would change the proposal."""
