import sys

import requests


def main(city):
    geo = requests.get(
        "https://geocoding-api.open-meteo.com/v1/search", params={"name": city, "count": 1}, timeout=10
    ).json()
    place = geo["results"][0]
    forecast = requests.get(
        "https://api.open-meteo.com/v1/forecast",
        params={
            "latitude": place["latitude"],
            "longitude": place["longitude"],
            "current": "temperature_2m,wind_speed_10m",
            "daily": "precipitation_probability_max",
            "forecast_days": 3,
        },
        timeout=10,
    ).json()
    print(place["name"], forecast["current"], forecast["daily"])


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]))
