DROP TABLE province_runs;
