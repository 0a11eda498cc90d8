"""The one error kbsim raises for bad input."""


class ParameterError(ValueError):
    """A parameter, preset file or Remodbc.ini entry that kbsim cannot use.

    The message always names the input (parameter, or file and entry), the value
    that was given and what is allowed, in one line.
    """
