#!/usr/bin/env python3
"""Entry point of Eddy's Python Lambda runtime client; the client itself is _eddy_lambda_runtime.py.

It lives in a module rather than in this script because Python compiles a main script on every start
(~8 ms for the client) but caches an imported module's bytecode in __pycache__.
"""
import sys

if __name__ == "__main__":
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = False  # our own cache in our own directory, whatever the user's setting
    import _eddy_lambda_runtime

    sys.dont_write_bytecode = dont_write_bytecode
    _eddy_lambda_runtime.main()
