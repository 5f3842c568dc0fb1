"""pandas doing the same preprocessing steps as our preprocess, on the same file, for the throughput benchmark.

Steps: read CSV, parse time, sort, drop duplicate timestamps, regular grid (asfreq), time interpolation,
cyclical time features, 90/10 train/validation split, min-max scaling fitted on train, Parquet out.
Prints one JSON line: {"seconds": best of N, "rows": n, "peakRssBytes": the process's peak resident set}.
"""
import json
import resource
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def run(path: str, out_dir: str) -> int:
    df = pd.read_csv(path)
    df['time'] = pd.to_datetime(df['time'], utc=True)
    df = df.sort_values('time', kind='stable').drop_duplicates('time').set_index('time')
    freq = df.index.to_series().diff().mode().iloc[0]
    df = df.asfreq(freq).astype('float64')
    df = df.interpolate(method='time', limit_direction='both')
    idx = df.index
    for name, values, period in [('min_of_day', idx.hour * 60 + idx.minute, 1440), ('day_of_week', idx.day_of_week, 7),
                                 ('day_of_year', idx.day_of_year, 365.25)]:
        angle = np.asarray(values) * (2 * np.pi / period)
        df[f'{name}_sin'] = np.sin(angle)
        df[f'{name}_cos'] = np.cos(angle)
    cut = len(df) - round(len(df) * 0.1)
    train, validation = df.iloc[:cut], df.iloc[cut:]
    low, span = train.min(), (train.max() - train.min()).replace(0, 1)
    for split, frame in [('train', train), ('validation', validation)]:
        ((frame - low) / span).reset_index().to_parquet(f'{out_dir}/{split}.parquet', compression='snappy')
    return len(df)


if __name__ == '__main__':
    path, repeats = sys.argv[1], int(sys.argv[2])
    best, rows = float('inf'), 0
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            start = time.perf_counter()
            rows = run(path, out)
            best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(json.dumps({'seconds': best, 'rows': rows, 'peakRssBytes': peak}))
