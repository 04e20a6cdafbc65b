package example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class BootApp {
  @GetMapping("/")
  public String hello() {
    return "boot ok java=" + System.getProperty("java.specification.version") + "\n";
  }

  public static void main(String[] args) {
    SpringApplication.run(BootApp.class, args);
  }
}
