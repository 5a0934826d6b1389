// SPDX-License-Identifier: GPL-2.0-only
/*
 * The program each layer_check_<layer> target links: it calls nothing.  The
 * target links every object of one layer and only the layers below it, so a
 * call from the layer upward is an undefined symbol and the link fails.
 */
int main(void)
{
	return 0;
}
