import argparse
import datetime

import boto3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=1)
    a = ap.parse_args()
    end = datetime.date.today().replace(day=1)
    start = (end - datetime.timedelta(days=31 * a.months)).replace(day=1)
    ce = boto3.client("ce")
    res = ce.get_cost_and_usage(
        TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
    )
    for period in res["ResultsByTime"]:
        print(period["TimePeriod"]["Start"])
        for g in sorted(period["Groups"], key=lambda g: -float(g["Metrics"]["UnblendedCost"]["Amount"]))[:10]:
            print(f"  {g['Keys'][0]}: {float(g['Metrics']['UnblendedCost']['Amount']):.2f} USD")


if __name__ == "__main__":
    main()
