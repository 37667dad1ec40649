package io.github.wal4j.sqlite;

/**
 * A {@link CommitListener} that passes each call on to the application's listener and logs and
 * ignores what it throws, so that a listener cannot change what a commit does.
 */
final class IsolatedListener implements CommitListener {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    private final CommitListener listener;

    IsolatedListener(CommitListener listener) {
        this.listener = listener;
    }

    @Override
    public void appended(long sequence) {
        try {
            listener.appended(sequence);
        } catch (RuntimeException e) {
            ignored(e);
        }
    }

    @Override
    public void applied(long sequence, boolean replay) {
        try {
            listener.applied(sequence, replay);
        } catch (RuntimeException e) {
            ignored(e);
        }
    }

    @Override
    public void checkpointed(long sequence) {
        try {
            listener.checkpointed(sequence);
        } catch (RuntimeException e) {
            ignored(e);
        }
    }

    private static void ignored(RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "wal4j sqlite: a commit listener threw (ignored)", e);
    }
}
