DROP TABLE youth_sensitive;
DROP TABLE youth_profiles;
