/* migrate_data.h: `shequ migrate-data`, a district moved from its SQLite file to PostgreSQL
 * (migrate_data.c). */
#ifndef SHEQU_MIGRATE_DATA_H
#define SHEQU_MIGRATE_DATA_H

int migrate_data_main(int argc, char **argv);   /* the command's own argv (argv[0] = "migrate-data"); the exit status */

#endif
