"""Writes N certificate rows (valid GB 11643 ID numbers, serials FIRST…FIRST+N-1, default 1…N, level 5)
as the import CSV. Usage: gen_certificates.py PATH N [FIRST]"""
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"


def id_number(n):
    body = f"110105{1950 + n % 50:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + C[sum(int(d) * w for d, w in zip(body, W)) % 11]


def main(path, n, first=1):
    with open(path, "w", encoding="utf-8") as f:
        f.write("serial,holderName,idNumber,occupation,level,issuedOn\n")
        for i in range(first, first + n):
            f.write(f"{i:012d},测试{i % 1000},{id_number(i)},电工,5,2026-01-{1 + i % 28:02d}\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
