DROP TABLE province_cells;
