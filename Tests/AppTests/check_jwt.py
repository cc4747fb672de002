"""Verifies certificate tokens and the revocation list with PyJWT, an ordinary JWT library, against
the published JWKS: each must be a standard JWT (alg EdDSA, a kid, typ JWT, numeric iat, iss, sub).

Usage: check_jwt.py JWKS_FILE TOKENS_FILE   — one JWT a line; every one must verify.
"""
import json
import sys

import jwt

keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(json.load(open(sys.argv[1]))).keys}
for token in open(sys.argv[2]).read().split():
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT", header
    claims = jwt.decode(
        token, key=keys[header["kid"]], algorithms=["EdDSA"], issuer="zhijian",
        options={"require": ["iat", "iss", "sub"]},
    )
    assert isinstance(claims["iat"], int), claims
    if claims["sub"] == "revocations":
        print("list", claims["iat"], " ".join(claims["revoked"]))
    else:
        print("valid", claims["sub"], claims["iat"], header["kid"])
