/* The second unit of file-scope.c: a static of the same name as one there, with another value. */
static long hidden = 700;

long other_hidden(void)
{
	return hidden;
}
