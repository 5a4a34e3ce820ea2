INSERT INTO pets (name, legs) VALUES ('cat', 4);
INSERT INTO pets (name, legs) VALUES ('bird', 2);
