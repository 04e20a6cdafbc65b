# A web server on the standard library; the sum comes from the adder gem's C extension.
require "socket"
require "adder"

server = TCPServer.new("0.0.0.0", Integer(ENV.fetch("PORT", "8080")))
loop do
  client = server.accept
  client.readpartial(4096) rescue nil
  body = "ruby-native ok adder=#{Adder.add(40, 2)} native=#{Adder.method(:add).owner == Adder.singleton_class}\n"
  client.write("HTTP/1.1 200 OK\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
  client.close
end
