# chunked body with trailers
requests = [{'method': b'POST',
  'target': b'/up',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'),
              (b'transfer-encoding', b'chunked'),
              (b'trailer', b'X-Checksum, X-Extra')],
  'body': b'abc',
  'trailers': [(b'x-checksum', b'123'), (b'x-extra', b'two words')]}]
