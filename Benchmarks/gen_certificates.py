"""Writes N certificate rows (valid GB 11643 ID numbers, serials FIRST…FIRST+N-1, default 1…N, level 5)
as the import CSV. Usage: gen_certificates.py PATH N [FIRST]

Every row is another person (a distinct ID number for each of the first 54 million serials), so one
recorded pass per row lets every row be issued (Benchmarks/passes.py records them)."""
import datetime
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
BORN = datetime.date(1950, 1, 1)
_days = {}


def id_number(n):
    """A resident ID number, distinct for each n < 54,000,000: born 1950-01-01 + n // 1000 days
    (to 2097), sequence n % 1000."""
    day = n // 1000
    born = _days.get(day)
    if born is None:
        born = _days[day] = (BORN + datetime.timedelta(days=day)).strftime("%Y%m%d")
    body = f"110105{born}{n % 1000:03d}"
    return body + C[sum(int(d) * w for d, w in zip(body, W)) % 11]


def main(path, n, first=1):
    with open(path, "w", encoding="utf-8") as f:
        f.write("serial,holderName,idNumber,occupation,level,issuedOn\n")
        for i in range(first, first + n):
            f.write(f"{i:012d},测试{i % 1000},{id_number(i)},电工,5,2026-01-{1 + i % 28:02d}\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
