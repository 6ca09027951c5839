"""What a project is: frozen, validated value objects (the bottom layer above ``base``).

Tasks, links and costs, risks, distributions, calendars, correlations, the scenario
that holds them, and the errors that name what is wrong with them. Nothing here
schedules, samples or reads files.
"""
