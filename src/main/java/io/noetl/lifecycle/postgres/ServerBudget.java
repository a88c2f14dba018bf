package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The connections the operator may hold to one PostgreSQL server (or pooler), whatever the database or the user: at
 * most {@link #limit()} at any moment, in use or idle. A pass asks for all it will need at once ({@link #lease}); the
 * passes that ask wait in one queue and are served in the order they came (a long rollup's pass that holds two does
 * not let later passes overtake the one waiting at the head, nor does the head wait for ever behind a stream of small
 * ones). A pass never waits for the budget while it holds part of it, so passes cannot deadlock on it.
 *
 * <p>One exception to the order, bounded: a later pass whose database has an idle connection may go before the passes
 * ahead of it, when the one at the head fits too, so that no connection closes only for another to open (a new
 * PostgreSQL backend costs a fork and cold caches: tens of milliseconds of CPU, more than a pass's own statements on a
 * busy two-core server). The pass at the head is overtaken at most {@link #MAX_OVERTAKEN} times; then it goes. So a
 * pass with {@code p} passes ahead of it is granted within {@code (p + 1) * (MAX_OVERTAKEN + 1)} grants. (Counting
 * every pass an overtaker went past, as this class first did, bounded each pass's count but not the queue's: once the
 * first passes of a long queue had each been passed that often, they all went in order, each opening a connection;
 * 1,000 first passes round-robin over 20 databases opened 787 backends.)
 *
 * <p>Connections a lease gives back stay open, idle, for the next lease of the same database, until
 * {@link #closeIdle} finds them older than the idle timeout. An idle connection never keeps a waiting pass out: the
 * grant closes as many of them (the oldest first) as it needs room for. So between passes the operator holds nothing
 * but a few idle connections for a few seconds, and never more than the limit.
 */
public final class ServerBudget {
    private static final Logger LOG = Logger.getLogger(ServerBudget.class);
    /** How often the pass at the head may be overtaken by later passes that reuse an idle connection of their database. */
    static final int MAX_OVERTAKEN = 4;
    /** How far into the queue a pass that reuses an idle connection is looked for. */
    private static final int LOOK_AHEAD = 64;

    /** Told once when a pass has waited {@code reportAfter} for the budget (outside the budget's lock). */
    public interface WaitListener {
        WaitListener NONE = (waited, ahead, budget) -> {
        };

        /**
         * @param waited how long the pass has waited so far
         * @param ahead  the passes queued before it
         */
        void waiting(Duration waited, int ahead, ServerBudget budget);
    }

    /** Opens a connection of a database on this server; the lease holds the permit already. */
    interface Connector {
        Connection open(DatabaseTarget target) throws SQLException;
    }

    /** The budget was not granted within the maximum wait. */
    public static final class Exhausted extends SQLException {
        Exhausted(String message) {
            super(message, "53300");
        }
    }

    /** An idle connection and since when it is idle (nanoTime). */
    record Idle(DatabaseTarget target, Connection connection, long since) {
    }

    /** A pass queued for {@code permits} connections of {@code target}. */
    private static final class Ticket {
        final int permits;
        final DatabaseTarget target;
        /** Guarded by the budget's lock: how many later passes went before this one while it was at the head. */
        int overtaken;

        Ticket(int permits, DatabaseTarget target) {
            this.permits = permits;
            this.target = target;
        }
    }

    private final String server;
    private final int limit;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}: permits the leases hold. */
    private int reserved;
    /**
     * Guarded by {@link #lock}: connections being closed (evicted or timed out) whose server backend may still be
     * there; they count against the limit until it has gone.
     */
    private int closing;
    /** Guarded by {@link #lock}: idle connections, the oldest first. */
    private final ArrayDeque<Idle> idle = new ArrayDeque<>();
    /** Guarded by {@link #lock}: waiting passes in the order they came. */
    private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}: the waiting pass to be granted now ({@link #next}), null when none fits. */
    private Ticket chosen;
    /** Open connections the leases hold (what they opened, and the idle ones they took). */
    private final AtomicInteger inUse = new AtomicInteger();
    private volatile int waiting;
    private volatile int idleCount;

    ServerBudget(String server, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a connection budget needs at least one connection");
        }
        this.server = server;
        this.limit = limit;
    }

    /** {@code host:port} (or the URL's host list), as the budget is keyed. */
    public String server() {
        return server;
    }

    public int limit() {
        return limit;
    }

    /** Connections held by leases now. */
    public int inUse() {
        return inUse.get();
    }

    /** Idle connections now. */
    public int idle() {
        return idleCount;
    }

    /** Passes waiting for the budget now. */
    public int waiting() {
        return waiting;
    }

    /**
     * Waits its turn for {@code permits} connections (at most the limit) of {@code target} and leases them.
     *
     * @throws Exhausted            when they were not granted within {@code maxWait}
     * @throws InterruptedException when the thread was interrupted while waiting (nothing is held then)
     */
    Lease lease(DatabaseTarget target, int permits, Connector connector, Duration maxWait, Duration reportAfter,
            WaitListener listener) throws Exhausted, InterruptedException {
        int n = Math.max(1, Math.min(permits, limit));
        long start = System.nanoTime();
        long reportAt = start + reportAfter.toNanos();
        long giveUpAt = start + maxWait.toNanos();
        boolean reported = false;
        Ticket ticket = new Ticket(n, target);
        List<Connection> handed = new ArrayList<>();
        List<Connection> evicted = new ArrayList<>();
        lock.lock();
        try {
            queue.addLast(ticket);
            waiting = queue.size();
            reconsider();
            boolean granted = false;
            try {
                while (chosen != ticket) {
                    long now = System.nanoTime();
                    if (now - giveUpAt >= 0) {
                        throw new Exhausted("waited " + Duration.ofNanos(now - start).toSeconds() + " s for "
                                + n + " of the " + limit + " connections to " + server + " (the operator's budget "
                                + "for the server, lifecycle.pool.connections-per-server) and gave up; "
                                + ahead(ticket) + " passes were ahead");
                    }
                    if (!reported && now - reportAt >= 0) {
                        reported = true;
                        int ahead = ahead(ticket);
                        lock.unlock();
                        try {
                            listener.waiting(Duration.ofNanos(now - start), ahead, this);
                        } catch (RuntimeException e) {
                            LOG.debugf(e, "reporting a wait for %s failed", server);
                        } finally {
                            lock.lock();
                        }
                        continue;
                    }
                    long until = !reported && reportAt - giveUpAt < 0 ? reportAt : giveUpAt;
                    changed.awaitNanos(Math.max(1, until - now));
                }
                granted = true;
            } finally {
                if (!granted) {
                    queue.remove(ticket);
                    waiting = queue.size();
                    reconsider(); // the next one may be the head now
                }
            }
            Ticket head = queue.peekFirst();
            if (head != ticket) {
                head.overtaken++; // it went before the head, reusing an idle connection (next())
            }
            queue.remove(ticket);
            waiting = queue.size();
            reserved += n;
            // idle connections of the same database become the lease's; then the oldest others close for room
            for (Iterator<Idle> it = idle.iterator(); it.hasNext() && handed.size() < n;) {
                Idle i = it.next();
                if (i.target().equals(target)) {
                    it.remove();
                    handed.add(i.connection());
                }
            }
            // room for the lease once the evicted have gone (they close before it opens any); counted as closing
            // meanwhile, so that no later pass is granted their room before
            while (reserved + closing + idle.size() > limit) {
                evicted.add(idle.pollFirst().connection());
            }
            closing += evicted.size();
            idleCount = idle.size();
            inUse.addAndGet(handed.size());
            reconsider(); // the next in the queue may fit too
        } finally {
            lock.unlock();
        }
        closeCounted(evicted); // before the lease opens any: the server sees no more than the limit
        return new Lease(this, target, n, handed, connector);
    }

    /**
     * Under the lock: the pass to grant now. The head, when it fits and its database has idle connections enough, or
     * it has been overtaken {@link #MAX_OVERTAKEN} times; otherwise the first later pass (within {@link #LOOK_AHEAD})
     * that fits and whose database has idle connections enough, or the head when there is none. Null when the head
     * does not fit: nothing overtakes a head waiting for room.
     */
    private Ticket next() {
        Ticket head = queue.peekFirst();
        if (head == null || reserved + closing + head.permits > limit) {
            return null;
        }
        if (idleOf(head.target) >= head.permits || head.overtaken >= MAX_OVERTAKEN) {
            return head;
        }
        int looked = 0;
        for (Ticket t : queue) {
            if (t == head) {
                continue;
            }
            if (++looked > LOOK_AHEAD) {
                break;
            }
            if (reserved + closing + t.permits <= limit && idleOf(t.target) >= t.permits) {
                return t;
            }
        }
        return head;
    }

    private int idleOf(DatabaseTarget target) {
        int count = 0;
        for (Idle i : idle) {
            if (i.target().equals(target)) {
                count++;
            }
        }
        return count;
    }

    /** Under the lock: the state changed; chooses the pass to grant and, when that is another one, wakes the waiting. */
    private void reconsider() {
        Ticket before = chosen;
        chosen = next();
        if (chosen != null && chosen != before) {
            changed.signalAll(); // the chosen one checks under the lock; the others wait on
        }
    }

    private int ahead(Ticket ticket) {
        int ahead = 0;
        for (Ticket t : queue) {
            if (t == ticket) {
                break;
            }
            ahead++;
        }
        return ahead;
    }

    /** A lease gives back its permits; its healthy connections stay open as idle ones. */
    void giveBack(DatabaseTarget target, int permits, List<Connection> healthy, int held) {
        lock.lock();
        try {
            reserved -= permits;
            long now = System.nanoTime();
            for (Connection c : healthy) {
                idle.addLast(new Idle(target, c, now));
            }
            idleCount = idle.size();
            inUse.addAndGet(-held);
            reconsider();
        } finally {
            lock.unlock();
        }
    }

    /** A lease opened a connection (or closed one it held). */
    void held(int delta) {
        inUse.addAndGet(delta);
    }

    /** Closes the connections idle for {@code timeout} or longer; how many it closed. */
    int closeIdle(Duration timeout) {
        List<Connection> old = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            while (!idle.isEmpty() && now - idle.peekFirst().since() >= timeout.toNanos()) {
                old.add(idle.pollFirst().connection());
            }
            idleCount = idle.size();
            closing += old.size();
            reconsider();
        } finally {
            lock.unlock();
        }
        closeCounted(old);
        return old.size();
    }

    /**
     * Closes {@code connections}, which the caller took out of the idle ones and added to {@link #closing} under the
     * lock, each waiting until its server backend has gone ({@link ExitAwaitingSocketFactory}); then they no longer
     * count against the limit.
     */
    private void closeCounted(List<Connection> connections) {
        if (connections.isEmpty()) {
            return;
        }
        try {
            closeQuietly(connections);
        } finally {
            lock.lock();
            try {
                closing -= connections.size();
                reconsider();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Closes the idle connections of {@code target} now (its credentials went away). */
    void closeIdle(DatabaseTarget target) {
        List<Connection> gone = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Idle> it = idle.iterator(); it.hasNext();) {
                Idle i = it.next();
                if (i.target().equals(target)) {
                    it.remove();
                    gone.add(i.connection());
                }
            }
            idleCount = idle.size();
            closing += gone.size();
            reconsider();
        } finally {
            lock.unlock();
        }
        closeCounted(gone);
    }

    static void closeQuietly(List<Connection> connections) {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                LOG.debugf("closing a connection failed: %s", e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "budget of " + limit + " connections to " + server;
    }
}
