import sqlite3
import sys


def main(db, query=None):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    if query is None:
        for (name, sql) in con.execute("select name, sql from sqlite_master where type='table'"):
            print(sql)
        return
    cur = con.execute(query)
    print([d[0] for d in cur.description])
    for row in cur.fetchmany(50):
        print(row)


if __name__ == "__main__":
    main(*sys.argv[1:3])
