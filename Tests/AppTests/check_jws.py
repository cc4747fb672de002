"""Verifies certificate tokens offline with joserfc (an independent JOSE implementation).

Usage: check_jws.py JWKS_FILE TOKENS_FILE   — the first tokens must verify, the last must not.
"""
import json
import sys

from joserfc import jws
from joserfc.jwk import KeySet

keys = KeySet.import_key_set(json.load(open(sys.argv[1])))
tokens = open(sys.argv[2]).read().split()
for i, token in enumerate(tokens):
    last = i == len(tokens) - 1
    try:
        obj = jws.deserialize_compact(token, keys, algorithms=["EdDSA"])
        claims = json.loads(obj.payload)
        assert obj.protected["alg"] == "EdDSA" and "kid" in obj.protected
        if last:
            print("altered token accepted!")
            sys.exit(1)
        print("valid", claims["sub"], obj.protected["kid"])
    except Exception as e:  # noqa: BLE001
        if not last:
            print("refused a good token:", repr(e))
            sys.exit(1)
        print("refused", type(e).__name__)
