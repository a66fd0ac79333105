import json
import sys

import requests
from bs4 import BeautifulSoup


def main(url):
    res = requests.get(url, timeout=20, headers={"User-Agent": "skill-web-scraper/1.0"})
    res.raise_for_status()
    soup = BeautifulSoup(res.text, "html.parser")
    print(json.dumps({
        "title": soup.title.string if soup.title else None,
        "headings": [h.get_text(strip=True) for h in soup.find_all(["h1", "h2", "h3"])],
        "links": [a["href"] for a in soup.find_all("a", href=True)][:200],
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
