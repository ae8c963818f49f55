print("syncwindow")
