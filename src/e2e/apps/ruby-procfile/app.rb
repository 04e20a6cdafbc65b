# A Ruby web server on the standard library only (no gems), started by the Procfile.
require "socket"

server = TCPServer.new("0.0.0.0", Integer(ENV.fetch("PORT", "8080")))
loop do
  client = server.accept
  client.readpartial(4096) rescue nil
  body = "ruby-procfile ok ruby=#{RUBY_VERSION} uid=#{Process.uid}\n"
  client.write("HTTP/1.1 200 OK\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
  client.close
end
