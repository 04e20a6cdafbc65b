package example;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Answers with its context path, the container's name and version, and the Java version. */
@WebServlet("/")
public class HelloServlet extends HttpServlet {
  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setContentType("text/plain");
    resp.getWriter().println("war ok context=" + req.getContextPath() + " server=" + getServletContext().getServerInfo() + " java=" + System.getProperty("java.specification.version"));
  }
}
