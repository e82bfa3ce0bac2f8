DROP TABLE organisation_invitations;
DROP TABLE vacancies;
