import json
import os
import sys
import urllib.request

API = "https://api.github.com"


def get(path):
    req = urllib.request.Request(API + path)
    token = os.environ.get("GITHUB_TOKEN")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Accept", "application/vnd.github+json")
    with urllib.request.urlopen(req, timeout=20) as res:
        return json.load(res)


def main(repo, number):
    pr = get(f"/repos/{repo}/pulls/{number}")
    files = get(f"/repos/{repo}/pulls/{number}/files")
    print(json.dumps({
        "title": pr["title"],
        "state": pr["state"],
        "files": [f["filename"] for f in files],
        "additions": pr["additions"],
        "deletions": pr["deletions"],
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
