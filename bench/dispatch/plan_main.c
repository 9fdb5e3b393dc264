/* plan_main.c — stand-alone driver for `plan` until main.c dispatches it. */
#include "dispatch/dispatch.h"

int main(int argc, char **argv)
{
	argv[0] = "plan";
	return dispatch_plan_main(argc, argv);
}
