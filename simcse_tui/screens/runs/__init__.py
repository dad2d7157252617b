"""The runs screen: the runs table, the highlighted run's details and the launch form."""
