-- Run once by the postgres image when its data directory is empty (compose and the Kubernetes StatefulSet).
-- POSTGRES_DB=rasa is the tracker store; these are the consultation API's and the staff app's databases.
CREATE DATABASE consultations;
CREATE DATABASE staff;
