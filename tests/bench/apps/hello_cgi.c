/* The floor of CGI behind Apache mod_cgid: a compiled program that answers
 * the hello app's 13 bytes and does nothing else. No CGI backend reached
 * through mod_cgid can be faster than this, whatever runs behind it: the
 * bench's `cgid-floor` target measures Apache's own fork and exec. */
#include <unistd.h>

int main(void)
{
	static const char out[] = "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
				  "Hello, World!";
	return write(1, out, sizeof out - 1) == (ssize_t)(sizeof out - 1) ? 0 : 1;
}
