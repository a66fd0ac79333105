import collections
import re
import sys

LINE = re.compile(r'(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) (?P<size>\d+|-)')


def main(path):
    statuses = collections.Counter()
    errors = collections.Counter()
    clients = collections.Counter()
    with open(path, errors="replace") as fh:
        for line in fh:
            m = LINE.match(line)
            if not m:
                continue
            statuses[m["status"]] += 1
            clients[m["ip"]] += 1
            if m["status"].startswith("5"):
                errors[m["path"]] += 1
    print("status counts:", dict(statuses))
    print("top error paths:", errors.most_common(5))
    print("top clients:", clients.most_common(5))


if __name__ == "__main__":
    main(sys.argv[1])
