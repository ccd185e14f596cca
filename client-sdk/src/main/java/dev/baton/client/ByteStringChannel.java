package dev.baton.client;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads a ByteString in bulk: Arrow's reader copies a batch body straight from the message into
 * its own memory, where a stream adapter would pass it through a small transfer buffer.
 */
final class ByteStringChannel implements ReadableByteChannel {
  private final ByteBuffer source;

  ByteStringChannel(ByteString bytes) {
    this.source = bytes.asReadOnlyByteBuffer();
  }

  @Override
  public int read(ByteBuffer dst) {
    if (!source.hasRemaining()) {
      return -1;
    }
    int n = Math.min(dst.remaining(), source.remaining());
    ByteBuffer slice = source.slice();
    slice.limit(n);
    dst.put(slice);
    source.position(source.position() + n);
    return n;
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {}
}
