# A rack app served by rackup (webrick), every gem from Debian's packages.
run lambda { |_env| [200, { "content-type" => "text/plain" }, ["ruby-rack ok rack=#{Rack.release} ruby=#{RUBY_VERSION}\n"]] }
