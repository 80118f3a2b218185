"""A package for the `package.module:callable` app spec form."""
