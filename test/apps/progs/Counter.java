// A counting program for test/apps/java-*.sh: one number a line on stdout,
// ten a second, from a counter held in the JVM's heap.
public class Counter {
	private static long count;

	public static void main(String[] args) throws InterruptedException {
		for (;;) {
			count++;
			System.out.println(count);
			System.out.flush();
			Thread.sleep(100);
		}
	}
}
